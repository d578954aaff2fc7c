/**
 * The card fields' formatting and validation, as the script the hosted page runs in the browser
 * (it defines `cardLogic`). It is a string so that the page and the unit tests run the same code.
 */
export const CARD_LOGIC_SCRIPT = String.raw`var cardLogic=(function(){
var BRANDS=[
  {id:'amex',name:'American Express',badge:'AMEX',re:/^3[47]/,lengths:[15],gaps:[4,10],cvc:4},
  {id:'diners',name:'Diners Club',badge:'Diners',re:/^3(?:0[0-5]|[689])/,lengths:[14],gaps:[4,10],cvc:3},
  {id:'jcb',name:'JCB',badge:'JCB',re:/^35(?:2[89]|[3-8])/,lengths:[16,19],gaps:[4,8,12,16],cvc:3},
  {id:'visa',name:'Visa',badge:'VISA',re:/^4/,lengths:[16,19],gaps:[4,8,12,16],cvc:3},
  {id:'mastercard',name:'Mastercard',badge:'Mastercard',re:/^(?:5[1-5]|222[1-9]|22[3-9]|2[3-6]|27[01]|2720)/,lengths:[16],gaps:[4,8,12,16],cvc:3},
  {id:'discover',name:'Discover',badge:'DISCOVER',re:/^(?:6011|64[4-9]|65)/,lengths:[16,19],gaps:[4,8,12,16],cvc:3},
  {id:'unionpay',name:'UnionPay',badge:'UnionPay',re:/^62/,lengths:[16,19],gaps:[4,8,12,16],cvc:3}
];
var UNKNOWN={id:'unknown',name:'',badge:'',lengths:[16,19],gaps:[4,8,12,16],cvc:3};
var MESSAGES={
  number:{incomplete:'Your card number is incomplete.',invalid:'Your card number is invalid.'},
  expiry:{incomplete:"Your card's expiration date is incomplete.",invalid:"Your card's expiration date is invalid.",past:"Your card's expiration date is in the past."},
  cvc:{incomplete:"Your card's security code is incomplete."}
};
function digitsOf(s){return String(s).replace(/\D/g,'');}
function brandOf(digits){
  for(var i=0;i<BRANDS.length;i++){if(BRANDS[i].re.test(digits))return BRANDS[i];}
  return UNKNOWN;
}
function maxDigits(brand){return brand.lengths[brand.lengths.length-1];}
function formatNumber(raw){
  var digits=digitsOf(raw),brand=brandOf(digits);
  digits=digits.slice(0,maxDigits(brand));
  var out='';
  for(var i=0;i<digits.length;i++){
    if(brand.gaps.indexOf(i)>=0)out+=" ";
    out+=digits[i];
  }
  return out;
}
function luhn(digits){
  var sum=0,dbl=false;
  for(var i=digits.length-1;i>=0;i--){
    var d=+digits[i];
    if(dbl){d*=2;if(d>9)d-=9;}
    sum+=d;dbl=!dbl;
  }
  return digits.length>0&&sum%10===0;
}
function checkNumber(raw){
  var digits=digitsOf(raw),brand=brandOf(digits);
  if(digits.length<brand.lengths[0])return 'incomplete';
  if(brand.lengths.indexOf(digits.length)<0)return digits.length<maxDigits(brand)?'incomplete':'invalid';
  return luhn(digits)?null:'invalid';
}
function formatExpiry(raw,deleting){
  var m=/^\s*(\d{1,2})\s*\/\s*(\d*)\s*$/.exec(raw);
  var digits;
  if(m){
    var year=m[2].length===4?m[2].slice(2):m[2];
    digits=(m[1].length===1?'0'+m[1]:m[1])+year;
  }else{
    digits=digitsOf(raw);
    if(/^[2-9]$/.test(digits))digits='0'+digits;
  }
  digits=digits.slice(0,4);
  if(digits.length<2)return digits;
  if(digits.length===2)return deleting?digits:digits+' / ';
  return digits.slice(0,2)+' / '+digits.slice(2);
}
function parseExpiry(raw){
  var digits=digitsOf(formatExpiry(raw,true));
  if(digits.length<4)return null;
  return {month:+digits.slice(0,2),year:2000+ +digits.slice(2)};
}
function checkExpiry(raw,now){
  var e=parseExpiry(raw);
  if(!e)return 'incomplete';
  if(e.month<1||e.month>12)return 'invalid';
  if(e.year<now.year||(e.year===now.year&&e.month<now.month))return 'past';
  if(e.year>now.year+50)return 'invalid';
  return null;
}
function formatCvc(raw,brand){return digitsOf(raw).slice(0,brand.id==='unknown'?4:brand.cvc);}
function checkCvc(raw,brand){
  var n=digitsOf(raw).length;
  return n<brand.cvc?'incomplete':null;
}
return {BRANDS:BRANDS,MESSAGES:MESSAGES,digitsOf:digitsOf,brandOf:brandOf,maxDigits:maxDigits,formatNumber:formatNumber,luhn:luhn,checkNumber:checkNumber,formatExpiry:formatExpiry,parseExpiry:parseExpiry,checkExpiry:checkExpiry,formatCvc:formatCvc,checkCvc:checkCvc};
})();`;
